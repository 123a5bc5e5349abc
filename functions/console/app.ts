/// <reference lib="dom" />
/**
 * The local admin console: a single page over the admin API (same origin, bearer token from sessionStorage).
 * Views: #/mappings (default), #/deliveries[/{id}], #/preview, #/workflow. Plain DOM, no framework, no network but this server.
 */
import { ApiError, api, errorText, session, whenUnauthorized } from './api.js';
import { announce, clear, field, h } from './dom.js';
import { renderDeliveries } from './deliveries.js';
import { renderMappings } from './mappings.js';
import { renderPreview } from './preview.js';
import { renderWorkflow } from './workflow.js';
import { beginSignIn, completeSignIn, loadSignInConfig, signOutEverywhere, signedInUser, type SignInConfig } from './oidc.js';
import { enforceReadOnly } from './read-only.js';
import { renderDeliveryChart } from './chart.js';

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const signOut = document.getElementById('signout') as HTMLButtonElement;
const who = document.getElementById('who')!;
let generation = 0;
let config: SignInConfig = { signIn: 'token' };

function signInView(reason?: string): void {
  generation++;
  nav.hidden = true;
  signOut.hidden = true;
  who.textContent = '';
  if (config.signIn === 'oidc') return organisationSignInView(config, reason);
  const token = h('input', { type: 'password', id: 'admin-token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('div', { class: 'form-error', role: 'alert' }, reason ?? '');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'panel signin', 'aria-labelledby': 'signin-title', onsubmit: (event) => {
    event.preventDefault();
    const value = token.value.trim();
    if (!value) {
      error.textContent = 'Enter the admin token.';
      token.focus();
      return;
    }
    submit.disabled = true;
    session.signIn(value);
    // Any admin call proves the token; the targets list is small.
    void api('GET', '/admin/targets').then(() => {
      announce('Signed in.');
      void route();
    }, (failure: unknown) => {
      session.signOut();
      submit.disabled = false;
      error.textContent = failure instanceof ApiError && failure.status === 401 ? 'That admin token was not accepted.' : errorText(failure);
      token.select();
      token.focus();
    });
  } },
    h('h2', { id: 'signin-title' }, 'Sign in'),
    h('p', {}, 'Paste the admin token that npm start printed (also in .data/local-credentials.json). It is kept in this tab’s session storage only and sent as a bearer token to this server’s admin API.'),
    field('Admin token', token),
    error,
    h('div', { class: 'actions' }, submit));
  clear(main, form);
  token.focus();
}

/** OIDC mode: one button to the IdP's sign-in page; the token never passes through a form here. */
function organisationSignInView(oidc: Extract<SignInConfig, { signIn: 'oidc' }>, reason?: string): void {
  const submit = h('button', { type: 'button', class: 'primary', id: 'sso-signin', onclick: () => {
    submit.disabled = true;
    void beginSignIn(oidc);
  } }, 'Sign in with your organisation');
  clear(main, h('section', { class: 'panel signin', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in'),
    h('p', {}, 'You will be sent to your organisation’s sign-in page and back. Admins can change mappings and replay deliveries; viewers can read everything.'),
    h('div', { class: 'form-error', role: 'alert' }, reason ?? ''),
    h('div', { class: 'actions' }, submit)));
  submit.focus();
}

function currentView(): { name: 'mappings' | 'deliveries' | 'preview' | 'workflow'; id?: string } {
  const [, view, id] = /^#\/(mappings|deliveries|preview|workflow)(?:\/(.+))?$/.exec(location.hash) ?? [];
  if (view === 'deliveries') return { name: 'deliveries', id: id ? decodeURIComponent(id) : undefined };
  return { name: view === 'preview' || view === 'workflow' ? view : 'mappings' };
}

async function route(): Promise<void> {
  if (!session.token()) return signInView();
  const mine = ++generation;
  const alive = () => mine === generation;
  const view = currentView();
  nav.hidden = false;
  signOut.hidden = false;
  const user = config.signIn === 'oidc' ? signedInUser(config, session.token()!) : undefined;
  who.textContent = user ? `${user.email} (${user.role})` : '';
  enforceReadOnly(main, user !== undefined && user.role !== 'admin');
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${view.name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${view.name[0]!.toUpperCase()}${view.name.slice(1)} — usage → certification console`;
  main.setAttribute('aria-busy', 'true');
  try {
    let focusId: string | undefined;
    if (view.name === 'deliveries') {
      focusId = await renderDeliveries({ root: main, alive }, view.id);
      const chart = await renderDeliveryChart();
      if (alive()) main.querySelector('.lede')?.after(chart);
    }
    else if (view.name === 'preview') await renderPreview(main);
    else if (view.name === 'workflow') await renderWorkflow(main);
    else await renderMappings(main);
    if (!alive()) return;
    ((focusId ? document.getElementById(focusId) : null) ?? main.querySelector<HTMLElement>('h2'))?.focus();
  } catch (error) {
    if (!alive()) return;
    clear(main, h('h2', { tabindex: '-1' }, 'Something went wrong'), h('p', { class: 'form-error', role: 'alert' }, errorText(error)),
      h('button', { type: 'button', onclick: () => void route() }, 'Try again'));
  } finally {
    main.removeAttribute('aria-busy');
  }
}

whenUnauthorized((code) => {
  session.signOut();
  if (code === 'token_expired') return signInView('Your sign-in has expired. Sign in again.');
  signInView(config.signIn === 'oidc' ? 'Your sign-in was not accepted. Sign in again.' : 'The admin token was not accepted (it may have changed when the server restarted). Sign in again.');
});

signOut.addEventListener('click', () => {
  if (config.signIn === 'oidc') return signOutEverywhere(config);
  session.signOut();
  announce('Signed out.');
  signInView();
});

document.getElementById('skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', () => void route());

async function start(): Promise<void> {
  try {
    config = await loadSignInConfig();
  } catch (error) {
    clear(main, h('p', { class: 'form-error', role: 'alert' }, errorText(error)));
    return;
  }
  const failure = config.signIn === 'oidc' ? await completeSignIn(config).catch((error: unknown) => `Sign-in failed: ${errorText(error)}`) : undefined;
  if (failure) return signInView(failure);
  await route();
}
void start();
