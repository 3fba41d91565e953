// "Use my location" on the facility form: fills the location field with the phone's GPS fix.
// The button stays hidden without JavaScript or geolocation, and the field can always be typed.
"use strict";
document.querySelectorAll("button[data-geolocate]").forEach(function (button) {
  var field = document.getElementById(button.dataset.geolocate);
  var status = document.getElementById(button.dataset.status);
  if (!field || !("geolocation" in navigator)) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.waiting;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        field.value = position.coords.latitude.toFixed(6) + ", " + position.coords.longitude.toFixed(6);
        status.textContent = "";
      },
      function () {
        status.textContent = button.dataset.failed;
      },
      { enableHighAccuracy: true, timeout: 20000 }
    );
  });
});
