/** The two npm registry calls the harness makes itself: sign up (for a token) and publish. */
import type { PackedPackage } from './npm-pack.ts';

async function call(url: URL, init: RequestInit, what: string): Promise<unknown> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', accept: 'application/json', ...init.headers } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${what} answered ${res.status}: ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) as unknown : undefined;
}

/** Creates the account (as `npm adduser` does) and returns its token. */
export async function addUser(registry: string, name: string, password: string): Promise<string> {
  const body = { _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() };
  const res = await call(new URL(`-/user/org.couchdb.user:${encodeURIComponent(name)}`, registry), { method: 'PUT', body: JSON.stringify(body) }, 'the registry\'s sign-up');
  const token = (res as { token?: unknown } | undefined)?.token;
  if (typeof token !== 'string' || !token) throw new Error('the registry returned no token for the new account');
  return token;
}

/** Publishes a packed package (the document `npm publish` sends). */
export async function publish(registry: string, token: string, pkg: PackedPackage): Promise<void> {
  const tarballUrl = new URL(`${pkg.name}/-/${pkg.filename}`, registry).href;
  const version = { ...pkg.manifest, _id: `${pkg.name}@${pkg.version}`, dist: { integrity: pkg.integrity, shasum: pkg.shasum, tarball: tarballUrl } };
  const doc = {
    _id: pkg.name,
    name: pkg.name,
    'dist-tags': { latest: pkg.version },
    versions: { [pkg.version]: version },
    _attachments: { [pkg.filename]: { content_type: 'application/octet-stream', data: pkg.tarball.toString('base64'), length: pkg.tarball.length } },
  };
  await call(new URL(pkg.name.replace('/', '%2f'), registry), { method: 'PUT', body: JSON.stringify(doc), headers: { authorization: `Bearer ${token}` } }, `publishing ${pkg.name}`);
}
