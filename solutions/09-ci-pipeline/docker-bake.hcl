# `docker buildx bake` runs the tests and builds the production image.
# The pipeline sets REGISTRY and TAG; the defaults suit a registry on this machine.

variable "REGISTRY" {
  default = "localhost:5000"
}

variable "TAG" {
  default = "dev"
}

group "default" {
  targets = ["test", "production"]
}

target "test" {
  target     = "test"
  output     = ["type=cacheonly"]
  # One cache ref per target, mode=max: every stage's steps, not only the final image's.
  cache-from = ["type=registry,ref=${REGISTRY}/stagecraft-app:cache-test"]
  cache-to   = ["type=registry,ref=${REGISTRY}/stagecraft-app:cache-test,mode=max"]
}

target "production" {
  target = "production"
  tags   = ["${REGISTRY}/stagecraft-app:${TAG}"]
  # A label is image metadata: a new value each build changes no step's cache key.
  labels = {
    "org.opencontainers.image.created" = timestamp()
  }
  cache-from = ["type=registry,ref=${REGISTRY}/stagecraft-app:cache-production"]
  cache-to   = ["type=registry,ref=${REGISTRY}/stagecraft-app:cache-production,mode=max"]
}
