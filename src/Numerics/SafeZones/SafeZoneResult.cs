namespace AutoMon.Numerics;

/// <summary>Outcome of one safe-zone check, in the order the checks run (values match the reference's ViolationOrigin where they overlap).</summary>
public enum SafeZoneResult
{
    /// <summary>The point is inside the domain, the safe zone and the bounds: nothing to report.</summary>
    Inside = -1,

    /// <summary>Outside the lower or upper DC constraint (ViolationOrigin.SafeZone).</summary>
    SafeZone = 0,

    /// <summary>Outside the domain / neighbourhood box (ViolationOrigin.Domain).</summary>
    Domain = 1,

    /// <summary>Inside the safe zone yet f(point) outside [L, U]: the constraints are wrong, force a full sync (ViolationOrigin.FaultySafeZone).</summary>
    FaultySafeZone = 2,
}
