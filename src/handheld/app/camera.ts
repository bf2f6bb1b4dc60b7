// Scanning with the phone's camera through the browser's barcode detector (Shape Detection
// API: Chrome on Android, Safari on iOS 17+ behind no flag for QR). Where the browser has none
// the cashier is told to type the code or use a Bluetooth/USB keyboard-wedge scanner, which
// types into the code field. (A WebAssembly decoder for such browsers is not built yet: see
// docs/handheld.md.)

export interface CameraScan {
  stop(): void;
}

interface Detector {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
type DetectorCtor = new (opts: { formats: string[] }) => Detector;

const FORMATS = ['qr_code', 'ean_13', 'ean_8', 'upc_a', 'upc_e', 'code_128', 'data_matrix'];

export async function startCameraScan(video: HTMLVideoElement, onCode: (text: string) => void): Promise<CameraScan> {
  const Ctor = (globalThis as { BarcodeDetector?: DetectorCtor }).BarcodeDetector;
  if (!Ctor) throw new Error('This browser has no barcode detector: type the code, or use a Bluetooth or USB scanner.');
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser gives no camera access here.');
  const detector = new Ctor({ formats: FORMATS });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  await video.play();
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const t of stream.getTracks()) t.stop();
    video.srcObject = null;
  };
  const loop = async () => {
    while (!stopped) {
      try {
        const found = await detector.detect(video);
        if (found[0]?.rawValue) {
          stop();
          onCode(found[0].rawValue);
          return;
        }
      } catch {
        // a frame that could not be read: try the next one
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  void loop();
  return { stop };
}
