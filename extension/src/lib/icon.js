// The toolbar icon: a shield in the state's colour, drawn at run time (no image files to ship).

function drawShield(size, color) {
  const canvas = new OffscreenCanvas(size, size);
  const g = canvas.getContext("2d");
  const s = size / 16;
  g.fillStyle = color;
  g.beginPath();
  g.moveTo(8 * s, 0.5 * s);
  g.lineTo(14.5 * s, 3 * s);
  g.quadraticCurveTo(14.5 * s, 12 * s, 8 * s, 15.5 * s);
  g.quadraticCurveTo(1.5 * s, 12 * s, 1.5 * s, 3 * s);
  g.closePath();
  g.fill();
  g.strokeStyle = "#ffffff";
  g.lineWidth = 1.6 * s;
  g.beginPath();
  g.moveTo(5 * s, 8 * s);
  g.lineTo(7.2 * s, 10.2 * s);
  g.lineTo(11 * s, 5.8 * s);
  g.stroke();
  return g.getImageData(0, 0, size, size);
}

export function shieldIcon(color) {
  return { 16: drawShield(16, color), 32: drawShield(32, color) };
}
