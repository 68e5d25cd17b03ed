// A tiny element builder: text is always set as text, never parsed as HTML.
export function el(tag: string, attrs: Record<string, string> = {}, children: (Node | string)[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function clear(node: HTMLElement): void {
  node.replaceChildren();
}
