namespace Remediation.AgentApi;

/// <summary>
/// Get-MailboxDatabaseCopyStatus's Status words, and what each means to a playbook, in one place. The statuses stay
/// strings on the wire: Exchange has more of them than any enum here would know, and an unknown one must survive
/// the trip to be shown and to count as "not proof" (Microsoft's documentation of Get-MailboxDatabaseCopyStatus lists
/// Mounted, Mounting, Dismounted, Dismounting, Healthy, Initializing, Failed, ServiceDown, Suspended, Resynchronizing,
/// Seeding, DisconnectedAndHealthy, Unknown and more).
/// </summary>
public static class CopyStatus
{
    /// <summary>The active copy, mounted on this server.</summary>
    public const string Mounted = "Mounted";

    /// <summary>Becoming active here.</summary>
    public const string Mounting = "Mounting";

    /// <summary>Ceasing to be active here.</summary>
    public const string Dismounting = "Dismounting";

    /// <summary>A passive copy, replicating and ready to be activated.</summary>
    public const string Healthy = "Healthy";

    /// <summary>The Microsoft Exchange Replication service cannot be reached on the server: nothing is known.</summary>
    public const string ServiceDown = "ServiceDown";

    /// <summary>Starting up: its state is about to change.</summary>
    public const string Initializing = "Initializing";

    /// <summary>The copy is, or is on its way to being, the active one on its server.</summary>
    public static bool IsActive(string status) => status is Mounted or Mounting or Dismounting;

    /// <summary>The copy is between states: a later reading will differ.</summary>
    public static bool IsChanging(string status) => status is Mounting or Dismounting or Initializing;

    /// <summary>The copy serves, or could be activated to serve, its database.</summary>
    public static bool CanServe(string status) => status is Healthy or Mounted;
}
