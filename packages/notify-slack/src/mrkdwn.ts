/**
 * Escapes text for Slack's `mrkdwn`: `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`, the three
 * characters Slack reserves for links, user and channel mentions and `<!channel>`-style pings. Text
 * escaped this way renders as typed and can neither ping anyone nor hide a link.
 *
 * @example
 * ```ts
 * escapeMrkdwn('<!channel> Tom & Jerry'); // '&lt;!channel&gt; Tom &amp; Jerry'
 * ```
 */
export function escapeMrkdwn(value: string): string {
  return value.replace(/[&<>]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : '&gt;'));
}

/**
 * One line of user text for mrkdwn: escaped, line breaks and other control characters turned into
 * spaces (so a workspace name cannot forge extra lines of the message), clipped to `max` characters.
 */
export function inlineText(value: string, max = 200): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
  return clipEscaped(escapeMrkdwn(value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim()), max);
}

/** Multi-line user text for mrkdwn: escaped, clipped to `max` characters. */
export function blockText(value: string, max = 2_000): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: keeps \n and \t, drops the other control characters
  return clipEscaped(escapeMrkdwn(value.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')), max);
}

/** User text inside a mrkdwn code span: a backtick in it would end the span early. */
export function codeText(value: string, max = 100): string {
  return `\`${inlineText(value.replace(/`/g, "'"), max)}\``;
}

/** Cuts escaped text to at most `max` characters without splitting an entity or a surrogate pair. */
function clipEscaped(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  let cut = max - 1;
  const amp = escaped.lastIndexOf('&', cut - 1);
  if (amp !== -1 && escaped.indexOf(';', amp) >= cut) cut = amp;
  const last = escaped.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${escaped.slice(0, cut)}…`;
}
