/** The load generator (layer `load`): lean UAC/UAS engines on UDP, load runs, their reports. */
export {
  runLoad,
  startLoad,
  type LoadOptions,
  type LoadResult,
  type LoadHandle,
  type LoadProgress,
  type LoadMode,
} from './run-load';
export { LoadStats, mergeSnapshots, percentile, type StatsSnapshot, type SecondSample } from './load-stats';
export { scanMessage, newScan, type Scan } from './sip-scan';
export type { UacScenario } from './uac-engine';
export { formatLoadResult, formatProgress, rateChartSvg, writeLoadAllureResult } from './load-report';
export { runLoadWorkers } from './load-workers';
