/** The goal library lessons compose. Each goal measures the build, the image or the container. */
export { contextAtMost } from './build.ts';
export { sizeAtMost, sizeRatioToStarter, layerCountAtMost, userNotRoot, execFormStart } from './image.ts';
export { pathsAbsent, pathsPresent, noLayerContains, type PathsSpec, type Where } from './files.ts';
export { httpAnswers, execPrints, becomesHealthy, type HttpSpec } from './behaviour.ts';
export { layerReusedAfterEdit, layerRebuiltAfterEdit, type LayerReuseSpec, type EditSpec } from './cache.ts';
