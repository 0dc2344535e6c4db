// The tables found in a reading, each an HTML table beside the text, with the spreadsheet's
// download. Cells are set as text, never as HTML.

const $ = (id) => document.getElementById(id);

/** Show the reading's tables (every page's), or hide the section when there is none. */
export function showTables(result) {
  const tables = result.tables || [];
  const several = (result.pages || []).length > 1;
  $("ocr-tables-list").replaceChildren(...tables.map((table, index) => tableElement(table, index, several)));
  $("ocr-tables").hidden = tables.length === 0;
  $("result-body").classList.toggle("with-tables", tables.length > 0);
}

function tableElement(table, index, several) {
  const element = document.createElement("table");
  element.className = "ocr-table";
  element.id = `ocr-table-${index + 1}`;
  const caption = element.createCaption();
  caption.textContent = `Table ${index + 1}${several ? ` (page ${table.page})` : ""}: ${table.rows} × ${table.columns}`;
  const body = element.createTBody();
  const rows = Array.from({ length: table.rows }, () => body.insertRow());
  const cells = [...table.cells].sort((a, b) => a.row - b.row || a.column - b.column);
  for (const cell of cells) rows[cell.row - 1].insertCell().textContent = cell.text;
  return element;
}
