// Fixtures for FolderGraphTests: each "folder" reaches Remediation.GraphFixtureTarget one way only, none with a using line.
#pragma warning disable CA1812, CA1822, CA1034, CA1019, CA1813, CA1018, IDE0051, IDE0060
namespace Remediation.GraphFixtureTarget
{
    internal sealed class Target
    {
        public static int Value => 1;
    }

    [AttributeUsage(AttributeTargets.Class)]
    internal sealed class MarkAttribute : Attribute;
}

namespace Remediation.GraphFixtureBody
{
    internal sealed class Body
    {
        public int Read() => Remediation.GraphFixtureTarget.Target.Value;
    }
}

namespace Remediation.GraphFixtureLambda
{
    internal sealed class Lambda
    {
        public Func<int> Read() => () => Remediation.GraphFixtureTarget.Target.Value;
    }
}

namespace Remediation.GraphFixtureAsync
{
    internal sealed class Async
    {
        public async Task<int> ReadAsync()
        {
            await Task.Yield();
            return Remediation.GraphFixtureTarget.Target.Value;
        }
    }
}

namespace Remediation.GraphFixtureGeneric
{
    internal sealed class Generic
    {
        public int Count() => new List<Remediation.GraphFixtureTarget.Target>().Count;
    }
}

namespace Remediation.GraphFixtureTypeof
{
    internal sealed class Typeof
    {
        public string Name() => typeof(Remediation.GraphFixtureTarget.Target).Name;
    }
}

namespace Remediation.GraphFixtureAttribute
{
    [Remediation.GraphFixtureTarget.Mark]
    internal sealed class Attributed;
}
