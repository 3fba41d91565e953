// Nguồn diary forms: progressive enhancement only. The form works without this script; with it,
// lot fields gain a camera scanner (where the browser has BarcodeDetector), multi-lot fields a
// picker of recent lots, and coordinate fields a "use my location" button.
"use strict";

(function () {
  const form = document.querySelector("form.diary-form");
  if (!form) {
    return;
  }

  // Appends a value to a one-a-line field, or replaces a single field's value.
  function put(input, value) {
    if (input.tagName === "TEXTAREA") {
      const lines = input.value.split("\n").map((l) => l.trim()).filter((l) => l !== "");
      if (!lines.includes(value)) {
        lines.push(value);
      }
      input.value = lines.join("\n");
    } else {
      input.value = value;
    }
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Recent lots into multi-lot fields.
  for (const select of form.querySelectorAll("select.pick-lot")) {
    select.hidden = false;
    select.addEventListener("change", () => {
      const target = document.getElementById(select.dataset.for);
      if (target && select.value) {
        put(target, select.value);
      }
      select.value = "";
    });
  }

  // GS1 barcodes with the camera: DataMatrix, QR (Digital Link), GS1-128 and EAN/UPC.
  const dialog = form.querySelector("dialog.scanner");
  if ("BarcodeDetector" in window && dialog && navigator.mediaDevices) {
    const video = dialog.querySelector("video");
    let stream = null;
    let target = null;
    const stop = () => {
      if (stream) {
        stream.getTracks().forEach((t) => t.stop());
        stream = null;
      }
      if (dialog.open) {
        dialog.close();
      }
    };
    dialog.querySelector("button.close").addEventListener("click", stop);
    dialog.addEventListener("cancel", stop);
    const detector = new window.BarcodeDetector({
      formats: ["data_matrix", "qr_code", "code_128", "ean_13", "ean_8", "upc_a"],
    });
    const look = async () => {
      if (!stream) {
        return;
      }
      try {
        const found = await detector.detect(video);
        if (found.length > 0 && target) {
          // A GS1 DataMatrix or GS1-128 reads with FNC1 as the group separator (ASCII 29),
          // which the server reads as an element string.
          put(target, found[0].rawValue);
          stop();
          return;
        }
      } catch (e) {
        // A frame that cannot be read yet: try the next one.
      }
      window.requestAnimationFrame(look);
    };
    for (const button of form.querySelectorAll("button.scan")) {
      button.hidden = false;
      button.addEventListener("click", async () => {
        target = document.getElementById(button.dataset.for);
        try {
          stream = await navigator.mediaDevices.getUserMedia({
            video: { facingMode: "environment" },
          });
        } catch (e) {
          button.hidden = true;
          return;
        }
        video.srcObject = stream;
        dialog.showModal();
        await video.play();
        look();
      });
    }
  }

  // Coordinates from the device's GPS.
  if ("geolocation" in navigator) {
    for (const button of form.querySelectorAll("button.locate")) {
      button.hidden = false;
      button.addEventListener("click", () => {
        const input = document.getElementById(button.dataset.for);
        navigator.geolocation.getCurrentPosition(
          (position) => {
            const { latitude, longitude } = position.coords;
            input.value = latitude.toFixed(6) + ", " + longitude.toFixed(6);
          },
          () => window.alert(button.dataset.failed),
          { enableHighAccuracy: true, timeout: 20000 }
        );
      });
    }
  }
})();
