using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Remediation.Functions;

var builder = FunctionsApplication.CreateBuilder(args);
Worker.Configure(builder);
await builder.Build().RunAsync();
