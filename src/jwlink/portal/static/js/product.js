// Product page: basket button and a token-aware file link.
import { basketButton, pageData } from "./common.js";
import { showPreview } from "./previews.js";

const data = pageData();
const add = document.getElementById("add-product");
add.replaceWith(Object.assign(basketButton("products", data.name, "Add product to basket"), { id: "add-product" }));
const file = document.getElementById("file-link");
if (file) file.classList.add("file-link");
showPreview(document.getElementById("preview"), data.previews || [], "product")
  .finally(() => { document.body.dataset.previewsReady = "true"; });
