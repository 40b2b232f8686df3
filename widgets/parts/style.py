"""The look of the workbook: large, calm, readable text that fits a phone screen."""

from __future__ import annotations

import ipywidgets as w

_CSS = """
<style>
.workbook-app { max-width: 860px; margin: 0 auto; padding: 0 12px 48px; box-sizing: border-box;
  font-size: 18px; line-height: 1.5; color: #1b1b1b; }
.workbook-app, .workbook-app * { box-sizing: border-box; }
.workbook-app h1 { font-size: 1.7em; line-height: 1.25; margin: 0.6em 0 0.3em; }
.workbook-app h2 { font-size: 1.4em; margin: 0.8em 0 0.3em; }
.workbook-app h3 { font-size: 1.2em; margin: 1em 0 0.2em; }
.workbook-app h4 { font-size: 1.05em; margin: 0.8em 0 0.2em; color: #333; }
.workbook-app p { margin: 0.3em 0; }
.workbook-app .widget-html, .workbook-app .widget-html-content { font-size: 18px; line-height: 1.5;
  height: auto; white-space: normal; overflow-wrap: anywhere; max-width: 100%; }
.workbook-app .widget-label, .workbook-app .widget-radio-box label,
.workbook-app .widget-checkbox label { font-size: 18px; white-space: normal; height: auto;
  line-height: 1.4; }
.workbook-app .widget-radio-box label { margin: 4px 0; }
.workbook-app .widget-radio-box input, .workbook-app .widget-checkbox input { width: 22px;
  height: 22px; flex-shrink: 0; }
.workbook-app .widget-checkbox { width: auto; height: auto; }
.workbook-app .widget-inline-hbox { flex-wrap: wrap; max-width: 100%; height: auto; }
.workbook-app .widget-text, .workbook-app .widget-textarea, .workbook-app .widget-dropdown,
.workbook-app .widget-datepicker { width: 100%; max-width: 100%; }
.workbook-app input, .workbook-app textarea, .workbook-app select { font-size: 18px;
  min-height: 44px; max-width: 100%; }
.workbook-app .jupyter-button, .workbook-app .workbook-button { font-size: 18px; min-height: 44px;
  height: auto; padding: 6px 14px; margin: 4px 8px 4px 0; white-space: normal; width: auto; }
.workbook-app .workbook-button { display: inline-block; background: #1565c0; color: #fff;
  border-radius: 4px; text-decoration: none; }
.workbook-app .workbook-field, .workbook-app .workbook-question, .workbook-app .workbook-record,
.workbook-app .workbook-step { border-top: 1px solid #d0d0d0; padding: 10px 0; width: 100%; }
.workbook-app .workbook-field .widget-radio > .widget-label,
.workbook-app .workbook-field .widget-textarea > .widget-label,
.workbook-app .workbook-field .widget-datepicker > .widget-label { position: absolute; width: 1px;
  height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.workbook-app .widget-radio-box label { display: flex; flex-direction: row-reverse;
  justify-content: flex-end; align-items: center; gap: 10px; }
.workbook-app .widget-label-basic { display: flex; align-items: center; gap: 10px;
  height: auto; }
.workbook-app .widget-label-basic span { white-space: normal; overflow: visible; }
.workbook-app .widget-radio-box input, .workbook-app .widget-label-basic input { margin: 0; }
.workbook-app .workbook-field-label { font-weight: 600; margin-bottom: 4px; }
.workbook-app .workbook-help, .workbook-app .workbook-note { color: #444; font-size: 16px; }
/* each way of saying the code in one place, the hidden ones keeping the line as high */
.workbook-app .workbook-code-line { display: grid; }
.workbook-app .workbook-code-line > span { grid-area: 1 / 1; }
.workbook-app .workbook-room-only { visibility: hidden; }
.workbook-app .workbook-required { color: #8a1c1c; font-weight: normal; font-size: 16px; }
.workbook-app .workbook-not-applying { background: #f4f4f4; }
/* A deleted question's Undo, where the question was. */
.workbook-app .workbook-undo-delete { background: #f4f4f4; border-radius: 4px;
  padding: 4px 12px; margin: 6px 0; gap: 4px 12px; }
.workbook-app details.workbook-why { font-size: 16px; color: #333; }
.workbook-app details.workbook-why summary { cursor: pointer; color: #0d47a1; }
.workbook-app .workbook-problem p { background: #fdecea; color: #611a15; padding: 8px 12px;
  border-radius: 4px; }
.workbook-app .workbook-link { overflow-wrap: anywhere; }
.workbook-app .jupyter-button.workbook-current-step { background: #0d47a1; color: #fff; }
.workbook-app .jupyter-button.workbook-starred { background: #ffd54f; color: #1b1b1b; }
.workbook-app .jupyter-button.mod-primary, .workbook-app .workbook-button { background: #0d47a1;
  color: #fff; }
.workbook-app :focus-visible { outline: 3px solid #e65100; outline-offset: 2px; }
.workbook-app .workbook-reminder { font-size: 16px; color: #333; border-top: 1px solid #d0d0d0;
  margin-top: 24px; padding-top: 8px; }
.workbook-app .workbook-where { font-size: 16px; color: #333; }
.workbook-app .widget-text, .workbook-app .widget-textarea, .workbook-app .widget-dropdown,
.workbook-app .widget-datepicker { flex-direction: column; align-items: stretch; height: auto; }
.workbook-app .widget-text > .widget-label, .workbook-app .widget-textarea > .widget-label,
.workbook-app .widget-dropdown > .widget-label, .workbook-app .widget-datepicker > .widget-label {
  text-align: left; width: auto; max-width: 100%; font-size: 16px; color: #333;
  margin: 4px 0 2px; }
.workbook-app .workbook-nav .jupyter-button { flex: 1 1 150px; margin: 3px; font-size: 16px; }
.workbook-app .workbook-not-advice { background: #fff8e1; padding: 8px 12px; border-radius: 4px; }
/* Text boxes: the page's font, as wide as the page, growing with the text. */
.workbook-app textarea, .workbook-app input, .workbook-app select, .workbook-app button {
  font-family: inherit; }
.workbook-app textarea { field-sizing: content; min-height: 88px; max-height: none;
  width: 100%; resize: vertical; line-height: 1.4; padding: 8px; overflow-wrap: anywhere; }
.workbook-app .widget-textarea, .workbook-app .widget-text { min-width: 0; }
.workbook-app .widget-dropdown, .workbook-app .widget-datepicker, .workbook-app .widget-text {
  flex: 1 1 220px; min-width: 0; margin-right: 12px; }
.workbook-app .widget-compare-pair .widget-textarea { flex: 1 1 280px; }
/* Drop-downs at a normal height. */
.workbook-app .widget-dropdown > select { height: 44px; min-height: 44px; max-height: 56px;
  width: 100%; flex: 0 0 auto; padding: 4px 8px; }
.workbook-app .widget-dropdown { height: auto; max-height: none; }
/* Focus that is easy to see (WCAG 2.2: focus visible, not obscured). */
.workbook-app :focus-visible, .workbook-app textarea:focus, .workbook-app input:focus,
.workbook-app select:focus, .workbook-app .jupyter-button:focus-visible,
.workbook-app a:focus-visible, .workbook-app summary:focus-visible {
  outline: 3px solid #e65100 !important; outline-offset: 2px !important;
  box-shadow: 0 0 0 5px #fff !important; }
.workbook-app textarea:focus, .workbook-app input:focus, .workbook-app select:focus {
  outline-offset: -3px !important; box-shadow: none !important; }
.workbook-app .widget-textarea { margin-left: 0; margin-right: 0; }
.workbook-app h2[tabindex="-1"]:focus { outline: 3px solid #e65100; outline-offset: 4px; }
html { scroll-padding-top: 12px; scroll-padding-bottom: 96px; }
/* The skip link: shown when it has the keyboard focus. */
.workbook-app .workbook-skip { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
.workbook-app .workbook-skip:focus { position: static; width: auto; height: auto; clip: auto;
  display: inline-block; padding: 8px 12px;
  background: #fff; color: #0d47a1; font-weight: 600; }
/* The save status and a lost connection. */
.workbook-app [data-save="saving"] { color: #333; }
.workbook-app .workbook-connection { background: #fdecea; color: #611a15; padding: 8px 12px;
  border-radius: 4px; font-size: 16px; width: 100%; margin: 6px 0; }
.workbook-app.workbook-offline .workbook-saved { display: none; }
/* The status bar (page_script.js): at the top of the screen, the page kept clear below it. */
.workbook-app.workbook-has-status-bar { padding-top: var(--workbook-status-bar, 0px); }
.workbook-app.workbook-has-status-bar .workbook-saved { display: none; }
.workbook-status-bar { position: fixed; top: 0; left: 0; right: 0; z-index: 900;
  max-height: 40vh; overflow-y: auto; font: 16px/1.35 system-ui, -apple-system, "Segoe UI",
  Roboto, sans-serif; color: #1b1b1b; background: #f4f6f8; border-bottom: 2px solid transparent; }
.workbook-status-bar[data-status=""] { background: #fff; }
.workbook-status-bar:not([data-status=""]) { border-bottom-color: #b0bec5;
  box-shadow: 0 2px 6px rgba(0, 0, 0, 0.15); }
.workbook-status-bar p { max-width: 860px; margin: 0 auto; padding: 6px 12px; }
/* One line from the start: the first "Saving…" must not push the page down under a finger. */
.workbook-status-bar .workbook-status { min-height: 1lh; }
.workbook-status-bar .workbook-connection:empty { padding: 0; }
.workbook-status-bar[data-status="saved"] { background: #e8f5e9; border-color: #2e7d32;
  color: #1b5e20; }
.workbook-status-bar[data-status="offline"], .workbook-status-bar[data-status="lost"] {
  background: #fff8e1; border-color: #8a6d00; }
.workbook-status-bar[data-status="failed"], .workbook-status-bar[data-status="stopped"],
.workbook-status-bar[data-status="paused"] { background: #fdecea; border-color: #611a15;
  color: #611a15; }
.workbook-status-bar .workbook-connection { font-weight: 600; }
.workbook-status-bar .workbook-button { display: block; margin: 0 auto 8px; min-height: 44px;
  padding: 6px 14px; font: inherit; font-size: 18px; background: #0d47a1; color: #fff;
  border: 0; border-radius: 4px; cursor: pointer; }
@media print { .workbook-status-bar { display: none; } }
.workbook-app .workbook-welcome-back-box { background: #e8f0fe; padding: 8px 12px;
  border-radius: 4px; margin: 8px 0; }
.workbook-app .workbook-welcome-back-box h2 { margin-top: 0.2em; }
/* The private link. */
.workbook-app button.workbook-button { border: 0; cursor: pointer; }
.workbook-app .workbook-qr { margin: 12px 0; }
.workbook-app .workbook-qr svg { width: 180px; height: 180px; max-width: 100%; }
.workbook-app .workbook-qr figcaption { font-size: 16px; color: #333; }
.workbook-app .widget-box, .workbook-app .widget-hbox { max-width: 100%; }
@media print {
  .workbook-app .workbook-nav, .workbook-app .jupyter-button { display: none; }
}
</style>
"""


def stylesheet() -> w.HTML:
    """A fresh widget that carries the workbook's stylesheet."""
    return w.HTML(_CSS)
