import { escapeHtml, type PublicIncident, type StatusPage } from './status-page.js';

const latest = (i: PublicIncident) => i.updates[0]?.at ?? i.startedAt;
const text = (i: PublicIncident) => i.updates.map((u) => `${u.at.replace('T', ' ').slice(0, 16)} UTC ${u.status}: ${u.body}`).join('\n');

/** Current and past incidents, newest update first: what both feeds list. */
function entries(page: StatusPage): PublicIncident[] {
  return [...page.incidents, ...page.history].sort((a, b) => latest(b).localeCompare(latest(a)));
}

/** The incidents as an Atom feed (RFC 4287): one entry per incident, updated at its latest public update. */
export function renderAtomFeed(page: StatusPage, url: string): string {
  const list = entries(page);
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>${escapeHtml(page.title)} status</title>
<id>${escapeHtml(url)}</id>
<link rel="alternate" type="text/html" href="${escapeHtml(url)}"/>
<link rel="self" type="application/atom+xml" href="${escapeHtml(url)}/feed.atom"/>
<updated>${list[0] ? latest(list[0]) : page.updatedAt}</updated>
${list
  .map(
    (i) => `<entry>
<id>${escapeHtml(`${url}#${i.id}`)}</id>
<title>${escapeHtml(`${i.name} (${i.status})`)}</title>
<link rel="alternate" type="text/html" href="${escapeHtml(`${url}#${i.id}`)}"/>
<published>${i.startedAt}</published>
<updated>${latest(i)}</updated>
<author><name>${escapeHtml(page.title)}</name></author>
<content type="text">${escapeHtml(text(i))}</content>
</entry>`,
  )
  .join('\n')}
</feed>
`;
}

const rfc822 = (iso: string) => new Date(iso).toUTCString();

/** The same incidents as RSS 2.0. */
export function renderRssFeed(page: StatusPage, url: string): string {
  const list = entries(page);
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
<title>${escapeHtml(page.title)} status</title>
<link>${escapeHtml(url)}</link>
<description>${escapeHtml(`Incidents and updates for ${page.title}`)}</description>
<lastBuildDate>${rfc822(list[0] ? latest(list[0]) : page.updatedAt)}</lastBuildDate>
${list
  .map(
    (i) => `<item>
<title>${escapeHtml(`${i.name} (${i.status})`)}</title>
<link>${escapeHtml(`${url}#${i.id}`)}</link>
<guid isPermaLink="false">${escapeHtml(i.id)}</guid>
<pubDate>${rfc822(latest(i))}</pubDate>
<description>${escapeHtml(text(i))}</description>
</item>`,
  )
  .join('\n')}
</channel>
</rss>
`;
}
