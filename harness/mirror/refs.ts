/**
 * Image references in the short form BuildKit matches FROM lines and named build contexts
 * by (`node:24` for `docker.io/library/node:24`, no `:latest`), and the tag of the mirror
 * variant derived from a base image.
 */
export interface ImageRef {
  /** Registry and path, familiar form: `node`, `bitnami/node`, `gcr.io/distroless/nodejs24`. */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A colon after the last slash separates the tag; one before it belongs to a registry port.
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  if (parts.length > 1 && DOCKER_HUB.has(parts[0] ?? '')) parts.shift();
  // Docker Hub's official images live under `library/`, which the short form leaves out.
  if (parts.length === 2 && parts[0] === 'library') parts.shift();
  return { repository: parts.join('/').toLowerCase(), tag, digest };
}

/** `node:24-trixie-slim`, `node` (not `node:latest`), `node@sha256:...`. */
export function familiarRef(ref: string): string {
  const r = parseImageRef(ref);
  const tag = r.tag && !(r.tag === 'latest' && !r.digest) ? `:${r.tag}` : '';
  return `${r.repository}${tag}${r.digest ? `@${r.digest}` : ''}`;
}

/** The form the engine lists tags in (`node:latest` when no tag is written). */
export function listedRef(ref: string): string {
  const r = parseImageRef(ref);
  if (r.digest) return `${r.repository}${r.tag ? `:${r.tag}` : ''}@${r.digest}`;
  return `${r.repository}:${r.tag ?? 'latest'}`;
}

/**
 * `stagecraft-mirror/node:24-trixie-slim` for `node:24-trixie-slim` with the mirror on its
 * default port; `stagecraft-mirror-4874/...` on another, so two mirrors (a test's and the
 * developer's) never retag each other's variants.
 */
export function derivedTag(ref: string, port: number, defaultPort: number): string {
  const r = parseImageRef(ref);
  // A registry port's colon is not allowed in a repository path component.
  const repository = r.repository.replaceAll(':', '-');
  const tag = r.digest ? `digest-${r.digest.replace(/^sha256:/, '').slice(0, 16)}` : (r.tag ?? 'latest');
  const namespace = port === defaultPort ? 'stagecraft-mirror' : `stagecraft-mirror-${port}`;
  return `${namespace}/${repository}:${tag}`;
}

/** Whether a tag names a mirror variant (for cleanup and leftover checks). */
export function isMirrorVariantTag(tag: string): boolean {
  const namespace = tag.split('/')[0] ?? '';
  return namespace === 'stagecraft-mirror' || /^stagecraft-mirror-\d+$/.test(namespace);
}
