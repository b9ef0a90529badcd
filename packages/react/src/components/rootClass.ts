/** `pg-root` plus the component's own class and the host's `className`, as one class attribute. */
export function rootClass(own: string, className: string | undefined): string {
  return ['pg-root', own, className].filter(Boolean).join(' ');
}
