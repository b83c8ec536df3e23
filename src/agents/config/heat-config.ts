// Entry point: heat-config (installed as os-refresh-config's configure.d/55-heat-config).
import { runHeatConfig } from './heat-config-run.ts';

process.exitCode = runHeatConfig();
