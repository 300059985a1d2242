import assert from 'node:assert/strict';
import { renderTemplate, templateVariables } from '../../../src/domain/template';

describe('templates', () => {
  describe('renderTemplate', () => {
    it('fills placeholders with string values as they are', () => {
      assert.equal(renderTemplate('Write about {{topic}} in a {{ tone }} tone.', { topic: 'owls', tone: 'warm' }), 'Write about owls in a warm tone.');
    });

    it('tolerates any whitespace inside the braces', () => {
      assert.equal(renderTemplate('[{{topic}}][{{   topic   }}][{{\ttopic\n}}]', { topic: 'x' }), '[x][x][x]');
    });

    it('renders numbers, booleans, objects and arrays as JSON', () => {
      assert.equal(
        renderTemplate('{{ n }} {{ zero }} {{ yes }} {{ no }} {{ obj }} {{ list }}', { n: 2.5, zero: 0, yes: true, no: false, obj: { a: 'b' }, list: [1, 'x'] }),
        '2.5 0 true false {"a":"b"} [1,"x"]',
      );
    });

    it('renders missing and null values as empty text', () => {
      assert.equal(renderTemplate('[{{ missing }}][{{ nothing }}]', { nothing: null }), '[][]');
    });

    it('follows dotted paths into objects and arrays', () => {
      const values = { user: { name: 'Ada', langs: ['en', 'fr'] } };
      assert.equal(renderTemplate('{{ user.name }} speaks {{ user.langs.1 }}', values), 'Ada speaks fr');
    });

    it('renders a path through a missing or non-object value as empty text', () => {
      assert.equal(renderTemplate('[{{ user.name }}][{{ title.length }}]', { title: 'abc' }), '[][]');
    });

    it('accepts names with underscores, digits and hyphens', () => {
      assert.equal(renderTemplate('{{ _a }} {{ b2 }} {{ c-d }}', { _a: 1, b2: 2, 'c-d': 3 }), '1 2 3');
    });

    it('leaves text that is not a placeholder alone', () => {
      const text = 'JSON {"a": 1}, {{ }}, {{ 1abc }}, {single}, {{ a b }}';
      assert.equal(renderTemplate(text, { a: 'X', abc: 'Y' }), text);
    });

    it('replaces every occurrence of a placeholder', () => {
      assert.equal(renderTemplate('{{x}}-{{x}}-{{x}}', { x: 'o' }), 'o-o-o');
    });

    it('does not re-render placeholders that appear in values', () => {
      assert.equal(renderTemplate('{{ a }}', { a: '{{ b }}', b: 'no' }), '{{ b }}');
    });

    it('renders the same way on every call', () => {
      const values = { x: 'y' };
      assert.equal(renderTemplate('{{ x }}', values), renderTemplate('{{ x }}', values));
    });

    it('renders names of built-in object properties as missing values', () => {
      assert.equal(renderTemplate('[{{ toString }}][{{ constructor }}]', {}), '[][]');
    });
  });

  describe('templateVariables', () => {
    it('lists the top-level names a template refers to, once each, in order of appearance', () => {
      assert.deepEqual(templateVariables('{{ b }} {{ a.x }} {{ b }} {{a.y}} {{ c.d.e }}'), ['b', 'a', 'c']);
    });

    it('lists nothing for a template without placeholders', () => {
      assert.deepEqual(templateVariables('plain text {not one}'), []);
    });

    it('gives the same answer when called twice on the same template', () => {
      const template = '{{ a }} {{ b }}';
      assert.deepEqual(templateVariables(template), templateVariables(template));
    });
  });
});
