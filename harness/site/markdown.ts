/**
 * Lesson text to HTML: markdown-it with highlight.js for code, ids on headings (for the
 * page's table of contents), and every relative link rewritten through `resolveLink`, so
 * links between lessons and to lab files work in the static site.
 */
import MarkdownIt from 'markdown-it';
import hljs from 'highlight.js';

export interface Heading {
  level: number;
  text: string;
  id: string;
}

export interface RenderedMarkdown {
  html: string;
  /** The first level-1 heading's text. */
  title: string | undefined;
  headings: Heading[];
}

/** Where a relative link of the page goes in the site (a URL relative to the page), or undefined when it resolves to nothing. */
export type LinkResolver = (href: string, kind: 'link' | 'image') => string | undefined;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** highlight.js's name for a fence's language or a file's name; undefined: plain text. */
export function languageFor(nameOrLang: string): string | undefined {
  const base = nameOrLang.split('/').pop() ?? nameOrLang;
  const byName: Record<string, string> = { Dockerfile: 'dockerfile', Containerfile: 'dockerfile', Makefile: 'makefile', '.dockerignore': 'bash', '.gitignore': 'bash' };
  const fromName = byName[base] ?? (base.startsWith('Dockerfile.') ? 'dockerfile' : undefined);
  if (fromName) return fromName;
  const ext = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1).toLowerCase() : base.toLowerCase();
  const byExt: Record<string, string> = { js: 'javascript', mjs: 'javascript', cjs: 'javascript', ts: 'typescript', sh: 'bash', shell: 'bash', console: 'bash', yml: 'yaml', py: 'python', rs: 'rust', md: 'markdown', txt: 'plaintext', text: 'plaintext', toml: 'ini', mod: 'go' };
  const lang = byExt[ext] ?? ext;
  return hljs.getLanguage(lang) ? lang : undefined;
}

/** Highlighted HTML of a piece of code (escaped plain text for an unknown language). */
export function highlight(code: string, lang: string | undefined): string {
  if (lang && hljs.getLanguage(lang)) return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  return escapeHtml(code);
}

export function slugify(text: string): string {
  return text.toLowerCase().replace(/[`*_~]/g, '').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '') || 'section';
}

export function renderMarkdown(source: string, resolve: LinkResolver): RenderedMarkdown {
  const md: MarkdownIt = new MarkdownIt({
    html: false,
    linkify: false,
    typographer: false,
    highlight: (code, info) => {
      const lang = info ? languageFor(info.trim().split(/\s+/)[0] ?? '') ?? (hljs.getLanguage(info.trim()) ? info.trim() : undefined) : undefined;
      return `<pre class="hljs"><code${lang ? ` class="language-${lang}"` : ''}>${highlight(code, lang)}</code></pre>`;
    },
  });
  const headings: Heading[] = [];
  const used = new Map<string, number>();

  md.core.ruler.push('stagecraft_site', (state) => {
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (!t) continue;
      if (t.type === 'heading_open') {
        const inline = tokens[i + 1];
        const text = inline?.children?.map((c) => c.content).join('') ?? inline?.content ?? '';
        const base = slugify(text);
        const n = used.get(base) ?? 0;
        used.set(base, n + 1);
        const id = n ? `${base}-${n}` : base;
        t.attrSet('id', id);
        headings.push({ level: Number(t.tag.slice(1)), text, id });
      }
      for (const c of t.children ?? []) {
        if (c.type === 'link_open') rewrite(c, 'href', 'link');
        if (c.type === 'image') rewrite(c, 'src', 'image');
      }
    }
  });

  function rewrite(token: { attrGet(name: string): string | null; attrSet(name: string, value: string): void }, attr: string, kind: 'link' | 'image'): void {
    const href = token.attrGet(attr);
    if (!href || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('#')) return;
    const target = resolve(href, kind);
    if (target === undefined) token.attrSet('data-broken', 'true');
    else token.attrSet(attr, target);
  }

  const html = md.render(source);
  return { html, title: headings.find((h) => h.level === 1)?.text, headings };
}
