// Types of eslint/layers.js, for the architecture test.

/** What one layer may import. */
export interface LayerRule {
  may: string[];
  types?: string[];
  why: string;
}

/** A file's layer and module (`{ layer: 'api', module: 'api/mcp/http' }`). */
export interface LayerFile {
  layer: string;
  module: string;
}

export const LAYERS: Record<string, LayerRule>;
export function layerOfFile(root: string, file: string): LayerFile | undefined;
export function allowed(from: LayerFile, target: LayerFile, typeOnly: boolean): boolean;
export const layersPlugin: { meta: { name: string }; rules: Record<string, unknown> };
