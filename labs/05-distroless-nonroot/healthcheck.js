// The container's health probe: exit 0 if the server answers GET /healthz, else 1.
// It runs with the node the image already has. A node image has no curl or wget, and a
// distroless image has not even a shell, so `curl ... || exit 1` cannot work there.
const port = Number(process.env.PORT ?? 3000);

try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
