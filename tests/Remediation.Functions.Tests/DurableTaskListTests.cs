using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Remediation.Recovery;

namespace Remediation.Functions.Tests;

/// <summary>
/// The engine lists its Durable tasks once (<see cref="RecoveryRegistration"/>); the Functions app wraps each by hand
/// (the class-based source generator is not served here). These tests fail when the two lists drift.
/// </summary>
public sealed class DurableTaskListTests
{
    static IEnumerable<(string Name, ParameterInfo[] Parameters)> Wrappers =>
        typeof(RecoveryFunctions).GetMethods()
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .Select(m => (m.GetCustomAttribute<FunctionAttribute>()!.Name, m.GetParameters()));

    [Fact]
    public void Every_engine_orchestrator_has_an_orchestration_trigger_of_its_class_name_and_nothing_else_does()
    {
        var wrapped = Wrappers.Where(w => w.Parameters.Any(p => p.GetCustomAttribute<OrchestrationTriggerAttribute>() is not null)).Select(w => w.Name);
        Assert.Equal(RecoveryRegistration.Orchestrators.Select(t => t.Name).Order(), wrapped.Order());
    }

    [Fact]
    public void Every_engine_activity_has_an_activity_trigger_of_its_class_name_and_nothing_else_does()
    {
        var wrapped = Wrappers.Where(w => w.Parameters.Any(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null)).Select(w => w.Name);
        Assert.Equal(RecoveryRegistration.Activities.Select(t => t.Name).Order(), wrapped.Order());
    }

    [Fact]
    public void Every_task_class_of_the_engine_is_in_the_list()
    {
        var declared = typeof(RecoveryRegistration).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && IsTask(t))
            .Select(t => t.Name);
        Assert.Equal(declared.Order(), RecoveryRegistration.Orchestrators.Concat(RecoveryRegistration.Activities).Select(t => t.Name).Order());
    }

    static bool IsTask(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(Microsoft.DurableTask.TaskOrchestrator<,>) || t.GetGenericTypeDefinition() == typeof(Microsoft.DurableTask.TaskActivity<,>)))
            {
                return true;
            }
        }

        return false;
    }
}
