using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// The AWS Query protocol, for IAM (no SDK package of it is served here): a form-encoded POST of Action, Version and
/// parameters; XML answers and <c>&lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;</c> errors.
/// </summary>
public sealed class AwsQueryClient
{
    private readonly AwsHttpTransport _transport;
    private readonly string _version;

    internal AwsQueryClient(AwsHttpTransport transport, string service, Uri endpoint, string version, string region)
    {
        _transport = transport;
        _version = version;
        Service = service;
        Region = region;
        Endpoint = endpoint;
    }

    public string Service { get; }
    public string Region { get; }
    public Uri Endpoint { get; }

    public async Task<XElement> CallAsync(string action, IEnumerable<KeyValuePair<string, string>> parameters,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentNullException.ThrowIfNull(parameters);
        var form = new StringBuilder();
        form.Append("Action=").Append(Uri.EscapeDataString(action));
        form.Append("&Version=").Append(Uri.EscapeDataString(_version));
        foreach (var (name, value) in parameters)
        {
            form.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }
        var call = new AwsCall(Service, action, Region, Endpoint, Encoding.UTF8.GetBytes(form.ToString()),
            "application/x-www-form-urlencoded; charset=utf-8", null);
        var body = await _transport.SendAsync(call, ParseError, cancellationToken).ConfigureAwait(false);
        try
        {
            return XDocument.Parse(Encoding.UTF8.GetString(body)).Root ??
                   throw new AwsServiceException(Service, action, Region, null, "EmptyResponse", "empty XML document");
        }
        catch (XmlException e)
        {
            throw new AwsServiceException(Service, action, Region, null, "MalformedResponse", e.Message, e);
        }
    }

    /// <summary>The text of the first descendant with this local name (namespaces ignored), or null.</summary>
    public static string? Find(XElement root, string localName)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root.DescendantsAndSelf().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;
    }

    internal static AwsErrorInfo ParseError(HttpResponseMessage response, byte[] body)
    {
        try
        {
            var root = XDocument.Parse(Encoding.UTF8.GetString(body)).Root;
            if (root is not null)
            {
                return new AwsErrorInfo(Find(root, "Code") ?? response.ReasonPhrase, Find(root, "Message"));
            }
        }
        catch (XmlException)
        {
            // Not XML (a proxy's HTML page, say): report the raw text.
        }
        return new AwsErrorInfo(response.ReasonPhrase, Encoding.UTF8.GetString(body));
    }
}
