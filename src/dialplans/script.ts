/**
 * What the runner needs of a dpma (D1's `getDpmaScript` in projections/dialplans.ts returns it): its error
 * policy, its steps, and the version they belong to. Passed in as a dependency (src/main.ts wires the read model).
 */
export interface DpmaScript {
  readonly dpma: { readonly uuid: string; readonly on_error?: 'hangup' | 'continue' | null };
  readonly steps: ReadonlyArray<{ readonly uuid: string; readonly sequence: number; readonly command: string | null }>;
  readonly version: number;
}

export type LoadScript = (dpmaUuid: string) => Promise<DpmaScript | undefined>;
