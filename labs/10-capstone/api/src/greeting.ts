/** What the API answers on /api/greeting. */
export interface Greeting {
  message: string;
  servedAt: string;
}

/** The greeting the frontend shows; a name personalises it. */
export function greeting(name = 'Stagecraft', now = new Date()): Greeting {
  return { message: `Hello from the ${name} API`, servedAt: now.toISOString() };
}
