// The header's links: on phones they scroll sideways in one row, so the current page's link is
// scrolled into view (without moving the page itself).
const nav = document.querySelector<HTMLElement>(".site-nav");
const current = nav?.querySelector<HTMLElement>('[aria-current="page"]');
if (nav && current && nav.scrollWidth > nav.clientWidth) {
  nav.scrollLeft = Math.max(0, current.offsetLeft - nav.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2);
}
