/** Running SIPp (layer `sipp`): see run-sipp.ts for the behaviour, scenarios/sipp/ for the shipped scenarios. */
export {
  runSipp,
  startSipp,
  stopAllSipp,
  SippScenarioError,
  type SippRunOptions,
  type SippResult,
  type SippHandle,
  type SippLog,
} from './run-sipp';
export {
  buildSippArgs,
  transportMode,
  socketProtocol,
  SippArgsError,
  BUILTIN_SCENARIOS,
  type SippTransport,
  type SippArgsInput,
  type SippRunFiles,
} from './args';
export {
  parseSippStatsCsv,
  parseSippRttCsv,
  parseSippDuration,
  parseSippDate,
  medianResponseMs,
  percentileResponseMs,
  SippStatsError,
  type SippStats,
  type SippStatsRow,
  type Counter,
  type Repartition,
  type RttSample,
} from './stats';
export {
  interpretSippExit,
  extractSippErrors,
  type SippVerdict,
  type SippVerdictStatus,
  type ExitFacts,
} from './exit-codes';
export { locateSipp, SippNotFoundError, SIPP_PACKAGE, type LocateOptions } from './locate';
export { probeFreePort } from '../process/free-ports';
export { processHasBound } from '../process/bound-ports';
export { SHIPPED_SCENARIOS_DIR, shippedScenario } from './scenarios';
