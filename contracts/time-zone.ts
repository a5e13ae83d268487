// Whether a name is an IANA time zone, as both sides see it: configuration validation at synth and the handlers that
// are given one (LOG_TIMEZONE).

/** What a time-zone field accepts, for error messages. */
export const TIME_ZONE_HINT = 'an IANA time zone such as "UTC" or "Asia/Tokyo"';

/** True when `zone` is a time zone this runtime knows. */
export function validTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
