/** `x-meridian-episode`: a client's id grouping the requests of one episode (an agent run, a conversation). */
const EPISODE = /^[\x21-\x7e]{1,128}$/;

/** The header's value when it is one header of printable ASCII, at most 128 characters; otherwise none. */
export function episodeOf(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && EPISODE.test(header) ? header : undefined;
}
