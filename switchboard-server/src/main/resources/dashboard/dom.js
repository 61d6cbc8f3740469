// Builds elements from data. Text always goes in as text, never as HTML: everything shown comes
// from callers (models, metadata, bodies) and must not run as markup.

/**
 * h('td', {class: 'num'}, 'text', child...): an element with attributes (class, dataset.*, on*
 * handlers, others as attributes) and children (strings become text nodes; null is skipped).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'style') Object.assign(element.style, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function pill(text, tone) {
  return h('span', { class: `pill ${tone || ''}` }, text);
}
