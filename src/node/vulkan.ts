/**
 * Finding a Vulkan for Dawn on Linux. Dawn loads the Vulkan loader (libvulkan.so.1) with
 * dlopen, and the loader finds its drivers (ICDs) through VK_ICD_FILENAMES or the system's
 * icd.d folders. A machine without a GPU usually has neither, but a Chromium install ships both
 * a loader and SwiftShader (a CPU Vulkan driver) in its own folder; this module points Dawn at
 * them without restarting Node:
 *
 * - VK_ICD_FILENAMES is read by the loader when Dawn creates its Vulkan instance, so setting it
 *   in process.env (which calls setenv) before `create()` is enough.
 * - LD_LIBRARY_PATH, on the other hand, is read once at process start. Instead, Chromium's
 *   libvulkan.so.1 is loaded here by its full path, with RTLD_NODELETE so that it stays loaded
 *   after Node's dlopen gives up on it (it is not a Node addon); Dawn's later
 *   dlopen("libvulkan.so.1") then finds the library already loaded under that soname.
 */
import { existsSync, readdirSync } from 'node:fs';
import { constants, homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** glibc's RTLD_NODELETE (not in os.constants.dlopen): keep the library after dlclose. */
const RTLD_NODELETE = 0x1000;

/** A folder holding a Vulkan loader and SwiftShader's ICD manifest. */
export interface SwiftShaderDir {
  dir: string;
  loader: string;
  icd: string;
}

/** Folders where Chromium (Debian, Ubuntu, Google Chrome) ships SwiftShader, $CHROME_PATH's first. */
export function swiftShaderCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  for (const v of [env.CHROME_PATH, env.PUPPETEER_EXECUTABLE_PATH]) if (v) dirs.push(dirname(v));
  dirs.push('/usr/lib/chromium', '/usr/lib/chromium-browser', '/usr/lib64/chromium-browser', '/opt/google/chrome', '/snap/chromium/current/usr/lib/chromium-browser');
  return [...new Set(dirs)];
}

/** The first candidate folder that has both libvulkan.so.1 and vk_swiftshader_icd.json, or null. */
export function findSwiftShader(candidates = swiftShaderCandidates()): SwiftShaderDir | null {
  for (const dir of candidates) {
    const loader = join(dir, 'libvulkan.so.1');
    const icd = join(dir, 'vk_swiftshader_icd.json');
    if (existsSync(loader) && existsSync(icd)) return { dir, loader, icd };
  }
  return null;
}

/**
 * dlopen()s a shared library into this process for good. Returns '' on success, else the
 * loader's message. Node's process.dlopen loads the file, finds no Node module in it and
 * throws "did not self-register"; that still counts as loaded (RTLD_NODELETE keeps it).
 */
export function preloadLibrary(path: string): string {
  try {
    process.dlopen({ exports: {} }, path, constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL | RTLD_NODELETE);
    return '';
  } catch (e) {
    const msg = (e as Error).message;
    return /did not self-register|Module did not/i.test(msg) ? '' : msg;
  }
}

/** True when the system's dynamic linker finds a Vulkan loader (libvulkan.so.1) by name. */
export function hasSystemVulkanLoader(): boolean {
  return preloadLibrary('libvulkan.so.1') === '';
}

/** Whether the user already chose Vulkan drivers (then we leave the environment alone). */
export function vulkanDriversChosen(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES);
}

/**
 * Whether the system has any Vulkan driver manifest (ICD) where the loader looks for them
 * (/usr/share/vulkan/icd.d and the like). None: no hardware Vulkan to try, go to SwiftShader.
 */
export function hasSystemVulkanDrivers(env: NodeJS.ProcessEnv = process.env): boolean {
  const data = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const dirs = [...config, '/etc', ...data, env.XDG_DATA_HOME || join(homedir(), '.local/share')].map((d) => join(d, 'vulkan/icd.d'));
  return dirs.some((d) => {
    try { return readdirSync(d).some((f) => f.endsWith('.json')); } catch { return false; }
  });
}
