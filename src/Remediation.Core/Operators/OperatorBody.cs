using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Remediation.Operators;

/// <summary>
/// The body of an operator's request, read by the handler after <see cref="OperatorGate"/> let the caller through
/// (never bound before it: an anonymous caller's body is not read at all), and small: at most <see cref="MaxBytes"/>.
/// </summary>
public static class OperatorBody
{
    /// <summary>The largest operator body read (a decision's comment, a maintenance window).</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>
    /// The JSON body as <typeparamref name="T"/>: default with no problem when there is no body, else the value or the
    /// problem to answer (415 not JSON, 413 too large, 400 not the shape expected).
    /// </summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength is 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0))
        {
            return (default, null);
        }

        if (!request.HasJsonContentType())
        {
            return (default, TypedResults.Problem("Send the body as application/json.", statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON only"));
        }

        if (request.ContentLength > MaxBytes)
        {
            return (default, TooLarge());
        }

        var buffer = new byte[MaxBytes + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await request.Body.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }

        if (read > MaxBytes)
        {
            return (default, TooLarge());
        }

        try
        {
            return (JsonSerializer.Deserialize<T>(buffer.AsSpan(0, read), JsonDefaults.Options), null);
        }
        catch (JsonException ex)
        {
            return (default, TypedResults.Problem($"The body is not what this route takes: {ex.Message}", statusCode: StatusCodes.Status400BadRequest, title: "Unreadable body"));
        }
    }

    static ProblemHttpResult TooLarge() =>
        TypedResults.Problem($"An operator's request body is at most {MaxBytes / 1024} KiB.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large");
}
