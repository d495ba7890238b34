// Photos are shrunk on the phone before they are sent: a 6 MB camera photo becomes a JPEG of a
// few hundred KB with its long edge at most 1600 px, which a village link can carry.
const LONG_EDGE = 1600;
const QUALITY = 0.82;

/** The photo to send: `{blob, name}`, shrunk when it is larger than needed. */
export async function shrink(file) {
  if (!file) return null;
  if (!file.type.startsWith("image/")) return { blob: file, name: file.name };
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, LONG_EDGE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.size <= 400 * 1024) return { blob: file, name: file.name };
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
    if (!blob) return { blob: file, name: file.name };
    return { blob, name: file.name.replace(/\.[^.]*$/, "") + ".jpg" };
  } catch {
    // A format the browser cannot draw goes as it is (the server says if it refuses it).
    return { blob: file, name: file.name };
  }
}
