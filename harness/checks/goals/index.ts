/** The goal library lessons compose. Each goal measures the build, the image or the container. */
export { contextAtMost } from './build.ts';
export { sizeAtMost, sizeRatioToStarter, layerCountAtMost, userNotRoot, execFormStart } from './image.ts';
export { pathsAbsent, pathsPresent, noLayerContains, type PathsSpec, type Where } from './files.ts';
export { httpAnswers, execPrints, becomesHealthy, type HttpSpec } from './behaviour.ts';
export { layerReusedAfterEdit, layerRebuiltAfterEdit, type LayerReuseSpec, type EditSpec } from './cache.ts';
export { platformsBuilt, binaryMatchesPlatform, answersOnPlatform, notEmulated, type BinarySpec, type PlatformHttpSpec, type EmulationSpec } from './platforms.ts';
export { runsAsNumericNonRoot, stopsPromptly, parseUserSpec, numericUserVerdict, stopVerdict, type UserSpec, type StopMeasurement } from './process.ts';
export { noShell, noLibc, SHELL_PATHS, LIBC_PATHS } from './minimal.ts';
export { staticBinary, startArgv, programCandidates, resolveInImage, staticVerdict } from './binary.ts';
export { sizeRatioTo, percent, type SizeReference } from './size-ratio.ts';
export { httpJsonField, jsonField, type HttpJsonSpec } from './http-json.ts';
export { lintClean, type LintCleanSpec } from './lint.ts';
export { failsWithoutSecrets, secretMounted, noSecretInLayers, noSecretInHistory, noSecretInConfig, noSecretInBuildLog, noSecretLikeNames, type SecretGoalOptions, type SecretMountSpec } from './secrets.ts';
export { forServices, servicesBuildInParallel, servicesSizeRatioToStarter, type ServicesOptions } from './services.ts';
export { stepsCachedAfterEdit, type StepsCachedSpec, type SourceEdit } from './cached-steps.ts';
export { composeConfigClean, composeServesHttp, composeServicesHealthy, composeRunsAsNumericNonRoot, type ComposeProbe, type ComposeGoalOptions } from './compose.ts';
