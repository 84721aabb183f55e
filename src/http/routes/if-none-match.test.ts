import { describe, expect, it } from 'vitest';
import { ifNoneMatchMatches } from './if-none-match.js';

describe('If-None-Match (RFC 9110)', () => {
  const etag = '"abc-123"';
  it('matches the same strong tag, a weak tag of it, a list holding it, and *', () => {
    expect(ifNoneMatchMatches('"abc-123"', etag)).toBe(true);
    expect(ifNoneMatchMatches('W/"abc-123"', etag)).toBe(true);
    expect(ifNoneMatchMatches('"old", W/"abc-123" , "other"', etag)).toBe(true);
    expect(ifNoneMatchMatches(['"old"', '"abc-123"'], etag)).toBe(true);
    expect(ifNoneMatchMatches('*', etag)).toBe(true);
  });
  it('does not match other tags, a tag without quotes, or no header', () => {
    expect(ifNoneMatchMatches('"abc-1234"', etag)).toBe(false);
    expect(ifNoneMatchMatches('abc-123', etag)).toBe(false);
    expect(ifNoneMatchMatches('W/"nope", "abc"', etag)).toBe(false);
    expect(ifNoneMatchMatches(undefined, etag)).toBe(false);
    expect(ifNoneMatchMatches('', etag)).toBe(false);
  });
});
