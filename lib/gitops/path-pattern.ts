/** Fills a `{app}`/`{env}` pattern: config repo paths (`apps/{app}/overlays/{env}`) and Application names (`{app}-{env}`). */
export function fillPattern(pattern: string, app: string, env: string): string {
  return pattern.replaceAll('{app}', app).replaceAll('{env}', env);
}
