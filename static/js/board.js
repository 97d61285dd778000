// Drag a card onto a column it may move to: picks that status in the card's form and submits it.
// The board works without this file: every card has a plain form with a Move button.
document.addEventListener("dragstart", (e) => {
  const card = e.target.closest && e.target.closest(".card[draggable]");
  if (card) e.dataTransfer.setData("text/plain", card.id);
});
document.addEventListener("dragover", (e) => {
  if (e.target.closest && e.target.closest(".board-column")) e.preventDefault();
});
document.addEventListener("drop", (e) => {
  const column = e.target.closest && e.target.closest(".board-column");
  const card = document.getElementById(e.dataTransfer.getData("text/plain"));
  if (!column || !card) return;
  e.preventDefault();
  const select = card.querySelector("select[name=to_status]");
  if (!select || ![...select.options].some((o) => o.value && o.value === column.dataset.status)) return;
  select.value = column.dataset.status;
  select.form.requestSubmit();
});
