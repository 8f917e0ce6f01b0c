// a11y.js - the accessibility check run on every page by test_web.py
// (axe-core is not in Debian).  Returns a list of findings, each a short
// sentence; an empty list passes.  Checks: document language and title,
// one h1 and no skipped heading level, a main landmark, a label for every
// form field, alt text for every image, an accessible name for every
// button and link, unique ids, aria-describedby targets that exist, no
// positive tabindex (focus follows the source order), and WCAG 2 contrast
// of every visible text against its effective background (4.5:1, or 3:1
// for large text).
const out = [];
const doc = document;
if (!doc.documentElement.getAttribute('lang')) out.push('html has no lang');
if (!doc.title.trim()) out.push('page has no title');
const hs = [...doc.querySelectorAll('h1,h2,h3,h4,h5,h6')];
if (doc.querySelectorAll('h1').length !== 1)
	out.push('page has ' + doc.querySelectorAll('h1').length + ' h1 elements, wanted 1');
let last = 0;
for (const h of hs) {
	const lvl = +h.tagName[1];
	if (lvl > last + 1) out.push('heading ' + h.tagName + ' "' + h.textContent.trim() + '" skips a level');
	last = lvl;
	if (!h.textContent.trim()) out.push('empty heading ' + h.tagName);
}
if (!doc.querySelector('main')) out.push('no main landmark');
const ids = {};
for (const e of doc.querySelectorAll('[id]')) {
	if (ids[e.id]) out.push('duplicate id ' + e.id);
	ids[e.id] = true;
}
for (const f of doc.querySelectorAll('input,select,textarea')) {
	if (f.type === 'hidden' || f.type === 'submit' || f.type === 'reset' || f.type === 'button') continue;
	const lab = f.id ? doc.querySelector('label[for="' + f.id + '"]') : null;
	const named = (lab && lab.textContent.trim()) || f.getAttribute('aria-label') ||
		f.getAttribute('aria-labelledby') || f.closest('label');
	if (!named) out.push('field ' + (f.name || f.id) + ' has no label');
	const db = f.getAttribute('aria-describedby');
	if (db) for (const i of db.split(/\s+/)) if (!doc.getElementById(i))
		out.push('field ' + f.name + ' is described by missing id ' + i);
}
for (const img of doc.querySelectorAll('img')) {
	const alt = img.getAttribute('alt');
	if (alt === null || (alt.trim() === '' && img.getAttribute('role') !== 'presentation'))
		out.push('image ' + img.getAttribute('src') + ' has no alt text');
}
for (const b of doc.querySelectorAll('button,a[href]')) {
	const name = (b.textContent || '').trim() || b.getAttribute('aria-label') ||
		[...b.querySelectorAll('img')].map(i => i.alt).join('');
	if (!name) out.push(b.tagName.toLowerCase() + ' without an accessible name');
}
for (const e of doc.querySelectorAll('[tabindex]'))
	if (+e.getAttribute('tabindex') > 0) out.push('positive tabindex on ' + e.tagName);

function rgba(s) {
	const m = s.match(/rgba?\(([^)]+)\)/);
	if (!m) return [255, 255, 255, 1];
	const p = m[1].split(/[ ,\/]+/).filter(x => x).map(Number);
	return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function lum(c) {
	const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
	return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
function background(e) {
	let layers = [];
	for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
		const c = rgba(getComputedStyle(n).backgroundColor);
		if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
	}
	let bg = [255, 255, 255];
	for (const c of layers.reverse())
		bg = [0, 1, 2].map(i => c[i] * c[3] + bg[i] * (1 - c[3]));
	return bg;
}
for (const e of doc.body.querySelectorAll('*')) {
	const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
	if (!own) continue;
	const r = e.getBoundingClientRect(), st = getComputedStyle(e);
	if (r.width === 0 || r.height === 0 || r.right <= 0 || r.bottom <= 0 ||
	    st.visibility === 'hidden' || st.display === 'none') continue;
	const fg = rgba(st.color), bg = background(e);
	const a = lum(fg) + 0.05, b = lum(bg) + 0.05;
	const ratio = Math.max(a, b) / Math.min(a, b);
	const size = parseFloat(st.fontSize), bold = +st.fontWeight >= 700;
	const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
	if (ratio < need)
		out.push('contrast ' + ratio.toFixed(2) + ':1 < ' + need + ':1 for "' +
			e.textContent.trim().slice(0, 40) + '"');
}
return out;
