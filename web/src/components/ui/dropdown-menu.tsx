import * as React from 'react'
import { DropdownMenu as M } from 'radix-ui'
import { cn } from '@/lib/utils'

export const DropdownMenu = M.Root
export const DropdownMenuTrigger = M.Trigger
export function DropdownMenuContent({ className, ...p }: React.ComponentPropsWithoutRef<typeof M.Content>) {
  return (
    <M.Portal>
      <M.Content
        sideOffset={4}
        className={cn('z-50 min-w-[9rem] overflow-hidden rounded-md border bg-popover p-1 text-popover-foreground shadow-md', className)}
        {...p}
      />
    </M.Portal>
  )
}
export function DropdownMenuItem({ className, ...p }: React.ComponentPropsWithoutRef<typeof M.Item>) {
  return (
    <M.Item
      className={cn(
        'relative flex cursor-default select-none items-center gap-2 rounded-sm px-2 py-1.5 text-sm outline-none data-[highlighted]:bg-accent data-[disabled]:opacity-50 [&_svg]:size-4',
        className,
      )}
      {...p}
    />
  )
}
export const DropdownMenuSeparator = () => <M.Separator className="-mx-1 my-1 h-px bg-border" />
export const DropdownMenuLabel = ({ className, ...p }: React.ComponentPropsWithoutRef<typeof M.Label>) => (
  <M.Label className={cn('px-2 py-1.5 text-xs font-medium text-muted-foreground', className)} {...p} />
)
