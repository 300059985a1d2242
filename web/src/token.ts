// The view token: taken from the URL fragment (`#token=vt1.…`, never sent to the server), kept in
// this tab's sessionStorage so reloads and in-app links keep working, and wiped from the address bar.
const KEY = 'builder-view-token';

/** The token of this tab, taking a fresh one from the fragment first. */
export function takeToken(): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(KEY);
}

/** A link to a viewer page carrying the token, so it also works opened in a new tab. */
export function withToken(path: string, token: string): string {
  return `${path}#token=${encodeURIComponent(token)}`;
}
