/**
 * A robot's webhook address as a page or the audit log may show it. The address holds the robot's key
 * (企业微信 ?key=…, 钉钉 ?access_token=…): whoever has it can post into the unit's group, so only the office's
 * own edit form ever shows it whole; the delivery log, the contacts page of anyone else and the audit log
 * get it shortened.
 */

/** Path segments and query values longer than this are keys or tokens: only their last 4 are shown. */
const SECRET_LENGTH = 12;

const hideLong = (s: string) => (s.length > SECRET_LENGTH ? `…${s.slice(-4)}` : s);

/**
 * A webhook address as the page may show it: host and path without scheme or credentials, with every long
 * path segment and every query value cut to its last 4 characters (企业微信 ?key=…, 钉钉 ?access_token=…).
 */
export function shortUrl(address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return hideLong(address);
  }
  const path = url.pathname
    .split('/')
    .map((seg) => hideLong(safeDecode(seg)))
    .join('/');
  const query = [...url.searchParams].map(([k, v]) => `${k}=${hideLong(v)}`).join('&');
  return `${url.host}${path}${query ? `?${query}` : ''}`;
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
