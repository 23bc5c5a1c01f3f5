/**
 * A URL as it may be printed: without user-info (`https://user:token@host` → `https://host`), even
 * when it does not parse as a URL. Inputs refuse credentials in URLs; this covers what comes from
 * elsewhere (pipeline variables, service connections) and is shown in a message or a log.
 */
export function displayUrl(text: string): string {
  if (!hasUserInfo(text)) return text;
  try {
    const url = new URL(text);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return text.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#\s]*@/, '$1');
  }
}

/** Whether a URL carries user-info (a user name or password before `@`). */
export function hasUserInfo(text: string): boolean {
  try {
    const url = new URL(text);
    return url.username !== '' || url.password !== '';
  } catch {
    return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\s]*@/.test(text);
  }
}
