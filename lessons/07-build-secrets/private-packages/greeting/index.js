// The lab's app imports this package, and only the private registry has it: an image
// that answers with this greeting was built with the registry's token.
export function greeting(name) {
  return `Hello from ${name}, with a package from a private registry`;
}
