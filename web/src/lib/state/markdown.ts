let renderer: Promise<{ render(source: string): string }> | undefined;

/**
 * Renders Markdown to HTML with raw HTML switched off (markdown-it escapes it, and refuses
 * `javascript:` and similar links), so a note cannot inject markup. markdown-it is loaded on
 * first use to keep it out of the first screen's JavaScript.
 */
export async function renderMarkdown(source: string): Promise<string> {
  renderer ??= import('markdown-it').then(
    ({ default: Markdown }) => new Markdown({ html: false, linkify: true, breaks: false }),
  );
  const md = await renderer;
  return md.render(source);
}
