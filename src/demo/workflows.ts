// The demo canvases `npm start` seeds: a text chain, and parallel branches with an image.
import type { CanvasGraph } from '../domain/types';

/** input → outline → draft → output: three steps in a chain. */
export const TEXT_CHAIN: CanvasGraph = {
  nodes: [
    {
      id: 'input',
      type: 'request-input',
      name: 'Request Input',
      config: { fields: [{ name: 'topic', type: 'string', required: true, description: 'What to write about', maxLength: 500 }] },
    },
    {
      id: 'outline',
      type: 'text-generation',
      name: 'Outline',
      config: { model: 'sandbox-text', prompt: 'Write a three-point outline about {{topic}}.' },
    },
    {
      id: 'draft',
      type: 'text-generation',
      name: 'Draft',
      config: { model: 'sandbox-text', prompt: 'Expand this outline into one paragraph:\n{{outline}}' },
    },
    { id: 'output', type: 'response-output', name: 'Response', config: {} },
  ],
  edges: [
    { source: 'input', sourcePort: 'topic', target: 'outline', targetPort: 'topic' },
    { source: 'outline', sourcePort: 'text', target: 'draft', targetPort: 'outline' },
    { source: 'draft', sourcePort: 'text', target: 'output', targetPort: 'text' },
  ],
};

/** input → (headline ‖ caption ‖ hero image) → card template → output. */
export const PARALLEL_MEDIA: CanvasGraph = {
  nodes: [
    {
      id: 'input',
      type: 'request-input',
      name: 'Request Input',
      config: {
        fields: [
          { name: 'product', type: 'string', required: true, description: 'Product to launch' },
          { name: 'tone', type: 'string', required: false, default: 'playful', enum: ['playful', 'serious'] },
        ],
      },
    },
    { id: 'headline', type: 'text-generation', name: 'Headline', config: { model: 'sandbox-text', prompt: 'A {{tone}} headline for {{product}}.' } },
    { id: 'caption', type: 'text-generation', name: 'Caption', config: { model: 'sandbox-text', prompt: 'A {{tone}} social caption for {{product}}.' } },
    { id: 'hero', type: 'image-generation', name: 'Hero image', config: { model: 'sandbox-image', prompt: 'Hero shot of {{product}}', width: 96, height: 64 } },
    { id: 'card', type: 'template', name: 'Card', config: { template: '{{headline}}\n\n{{caption}}' } },
    { id: 'output', type: 'response-output', name: 'Response', config: { wrap: true } },
    { id: 'note', type: 'note', name: 'Read me', config: { text: 'Notes never run.' } },
  ],
  edges: [
    { source: 'input', sourcePort: 'product', target: 'headline', targetPort: 'product' },
    { source: 'input', sourcePort: 'tone', target: 'headline', targetPort: 'tone' },
    { source: 'input', sourcePort: 'product', target: 'caption', targetPort: 'product' },
    { source: 'input', sourcePort: 'tone', target: 'caption', targetPort: 'tone' },
    { source: 'input', sourcePort: 'product', target: 'hero', targetPort: 'product' },
    { source: 'headline', sourcePort: 'text', target: 'card', targetPort: 'headline' },
    { source: 'caption', sourcePort: 'text', target: 'card', targetPort: 'caption' },
    { source: 'card', sourcePort: 'text', target: 'output', targetPort: 'card' },
    { source: 'hero', sourcePort: 'image', target: 'output', targetPort: 'image' },
  ],
};
