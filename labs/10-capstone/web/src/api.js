// Calls go to the same origin: the web server forwards /api/* to the API service.
export async function fetchGreeting(name) {
  const query = name ? `?name=${encodeURIComponent(name)}` : '';
  const res = await fetch(`/api/greeting${query}`);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}
