/**
 * RFC 9110 §13.1.2 If-None-Match: true when the header matches the current entity tag, so a GET-like
 * answer is 304. `*` matches any current representation; otherwise the header is a comma-separated
 * list of entity tags compared weakly (`W/"x"` matches `"x"` and `W/"x"`).
 */
export function ifNoneMatchMatches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const current = opaque(etag);
  // An entity tag is W/"…" or "…"; commas only separate tags (etagc excludes DQUOTE, not comma, but
  // ripcord's tags never contain one, so a split on commas outside quotes is exact for them).
  const tags = value.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return tags.some((tag) => opaque(tag) === current);
}
