// `{{ name }}` templates: the language belongs to the Template node (src/nodes/templateText.ts);
// prompts and URLs of other steps render with the same function.
export { renderTemplate, templateVariables } from '../nodes/templateText';
