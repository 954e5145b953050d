/* The leaflet page's print button (a file, because the page allows no inline script). */
(function () {
  "use strict";
  var button = document.getElementById("print");
  if (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  }
})();
