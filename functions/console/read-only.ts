/// <reference lib="dom" />
/**
 * A viewer's console: every control that would change something (save a mapping, replay a delivery, run a
 * preview) is disabled with a note saying why. The API refuses these calls anyway (403); this only spares the
 * viewer a form that cannot succeed. Selectors, not edits to each view, so every view rendered later is covered.
 */
const WRITE_CONTROLS = 'form button[type="submit"], [data-key="replay"]';
const NOTE = 'Viewers can read but not change anything; ask for the admin group to make changes.';

export function enforceReadOnly(root: HTMLElement, readOnly: boolean): void {
  document.body.classList.toggle('read-only', readOnly);
  observer?.disconnect();
  if (!readOnly) return;
  const disable = () => {
    for (const control of root.querySelectorAll<HTMLButtonElement>(WRITE_CONTROLS)) {
      if (control.disabled && control.title === NOTE) continue;
      control.disabled = true;
      control.title = NOTE;
    }
  };
  disable();
  observer = new MutationObserver(disable);
  observer.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled'] });
}

let observer: MutationObserver | undefined;
