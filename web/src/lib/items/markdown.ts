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
  return taskLists(md.render(source));
}

/**
 * GitHub-style task list items (`- [ ] to do`, `- [x] done`) as read-only checkboxes. Runs on
 * markdown-it's output, where raw HTML is already escaped, so only its own `<li>` is matched.
 */
export function taskLists(html: string): string {
  return html.replace(/<li>(\s*<p>)?\[([ xX])\] /g, (_match, paragraph: string | undefined, mark: string) => {
    const done = mark !== ' ';
    const box = `<input type="checkbox" disabled${done ? ' checked' : ''} aria-label="${done ? 'Done' : 'Not done'}"> `;
    return `<li class="task">${paragraph ?? ''}${box}`;
  });
}
