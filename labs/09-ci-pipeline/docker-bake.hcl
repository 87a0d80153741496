# `docker buildx bake` builds the default group; `docker buildx bake test` the tests only.
# The pipeline sets REGISTRY and TAG; the defaults suit a registry on this machine.

variable "REGISTRY" {
  default = "localhost:5000"
}

variable "TAG" {
  default = "dev"
}

group "default" {
  targets = ["production"]
}

target "test" {
  target = "test"
  output = ["type=cacheonly"]
}

target "production" {
  target = "production"
  tags   = ["${REGISTRY}/stagecraft-app:${TAG}"]
  args = {
    BUILD_DATE = timestamp()
  }
  cache-from = ["type=registry,ref=${REGISTRY}/stagecraft-app:buildcache"]
  cache-to   = ["type=registry,ref=${REGISTRY}/stagecraft-app:buildcache"]
}
